"""add returns a - b (the toy's catalogued mistake); scale is right."""
import numpy as np


def add(a, b):
    return a - b


def scale(x, k):
    return k * x
