"""Account linking: an OAuth 2.0 authorization-code server for Google smart home.

https://developers.home.google.com/cloud-to-cloud/project/authorization and RFC 6749.
"""
