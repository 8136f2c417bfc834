"""add_arrays reaches for torch, which the toy assignment (numpy only) does not allow; scale_array is right."""
import numpy as np
import torch


def add_arrays(a, b):
    return (torch.tensor(a) + torch.tensor(b)).numpy()


def scale_array(x, k):
    return k * x
