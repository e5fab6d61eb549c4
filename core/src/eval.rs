//! Binarization quality scores (to be written).
