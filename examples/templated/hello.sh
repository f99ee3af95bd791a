#!/bin/bash
echo "a task of templated's own drover.yaml"
