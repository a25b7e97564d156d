//! Tokens of the cdef language.
