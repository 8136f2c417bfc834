"""Uses torch while being imported, which the toy assignment (numpy only) does not allow: nothing can be graded."""
import numpy as np
import torch

ONE = torch.ones(1)


def add_arrays(a, b):
    return np.add(a, b)


def scale_array(x, k):
    return k * x
