"""Data sets: the 12-bit task (shipped), MNIST from local files, the 8x8 digits, MNIST-1D, arrays."""

from infoplane.data.arrays import arrays_dataset, from_torch_dataset, load_arrays
from infoplane.data.digits import load_digits
from infoplane.data.mnist import load_mnist, read_idx
from infoplane.data.mnist1d import load_mnist1d
from infoplane.data.twelve_bit import (
    Dataset,
    load_twelve_bit,
    split_indices,
    twelve_bit_inputs,
    twelve_bit_labels,
    twelve_bit_p_x,
    twelve_bit_p_y_given_x,
)

__all__ = [
    "Dataset",
    "arrays_dataset",
    "from_torch_dataset",
    "load_arrays",
    "load_digits",
    "load_mnist",
    "load_mnist1d",
    "load_twelve_bit",
    "read_idx",
    "split_indices",
    "twelve_bit_inputs",
    "twelve_bit_labels",
    "twelve_bit_p_x",
    "twelve_bit_p_y_given_x",
]
