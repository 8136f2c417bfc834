"""The toy assignment's reference."""
import numpy as np


def add_arrays(a, b):
    ### BEGIN SOLUTION
    return np.add(a, b)
    ### END SOLUTION


def scale_array(x, k):
    ### BEGIN SOLUTION
    return np.multiply(x, k)
    ### END SOLUTION
