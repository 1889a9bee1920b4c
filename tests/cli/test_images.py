#!/usr/bin/python3
"""placeholder: written next"""
import sys
sys.exit(0)
