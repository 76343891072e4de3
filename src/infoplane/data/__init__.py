"""Data sets: the 12-bit task of Shwartz-Ziv & Tishby (2017), shipped with the package."""

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
    "load_twelve_bit",
    "split_indices",
    "twelve_bit_inputs",
    "twelve_bit_labels",
    "twelve_bit_p_x",
    "twelve_bit_p_y_given_x",
]
