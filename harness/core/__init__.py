"""The pure core: values in, values out. No sockets, files or processes.

`tests/unit/test_layers.py` checks that nothing here imports an I/O module.
"""
