//! Integer constant expressions (array lengths, enum values, bitfield widths).
