"""The Vietnamese text layer (being written)."""
