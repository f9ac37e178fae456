#!/usr/bin/lua
x = = 1
