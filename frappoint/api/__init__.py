"""Whitelisted endpoints: parse and check input, check who may call, delegate to `frappoint.booking`."""
