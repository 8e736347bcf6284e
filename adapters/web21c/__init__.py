"""Web21C: the SOAP contract, a typed client over zeep, and a local sandbox server."""
