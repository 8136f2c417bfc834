"""add returns a - b (the toy's catalogued mistake); scale is right."""
import numpy as np


def add_arrays(a, b):
    return a - b


def scale_array(x, k):
    return k * x
