"""The customer portal (/book, /appointments): what customers see and what they are sent.
Reads and messages only; every change goes through frappoint.api.booking."""
