"""The toy assignment's reference."""
import numpy as np


def add(a, b):
    ### BEGIN SOLUTION
    return np.add(a, b)
    ### END SOLUTION


def scale(x, k):
    ### BEGIN SOLUTION
    return np.multiply(x, k)
    ### END SOLUTION
