"""Python helpers that write the files featuremaps reads, from PyTorch models:
safetensors (written by hand, no extra package), stack descriptions, and the
graph glue modules (Add, Concat, Pad) that let a stack be an nn.Module.

Used by models/tiny-cnn (the shipped example) and tests/net (the network
tests).  Runs with Debian's /usr/bin/python3 (numpy, python3-torch).
"""
