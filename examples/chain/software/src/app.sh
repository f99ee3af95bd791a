#!/bin/sh
echo "hello from the chained software"
