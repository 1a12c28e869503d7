"""The device document contract: device types, traits, and the parsing of a device document."""
