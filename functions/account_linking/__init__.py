"""account_linking: an OAuth 2.0 authorization-code server for Google smart home, with App Flip.

https://developers.home.google.com/cloud-to-cloud/project/authorization and RFC 6749.
Floors, bottom up: grants (rules; pure), records (the port and its rules), pending (the sealed
sign-in page; pure) < identity, pages < answers, linking, throttle < authorize, token, appflip <
http (the edge). Adapters of the records port: firestore_records, memory_records.
"""
