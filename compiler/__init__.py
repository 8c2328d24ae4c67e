"""qtc front ends, drivers and back ends."""
