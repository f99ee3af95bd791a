#!/usr/bin/env bash
# Prints a greeting.
echo "Hello, ${1:-world}!"
