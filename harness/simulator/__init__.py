"""The legacy Spine simulator (and its `spine2` candidate flavour): real ASGI services."""
