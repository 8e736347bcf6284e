"""A local Web21C: the four SOAP endpoints, simulated phones on a fast clock, an admin API.

from adapters.web21c.sandbox import SandboxOptions, start_sandbox

with start_sandbox(options=SandboxOptions(speed=60)) as running:
    client = Web21CClient(running.url)
    ...
    running.sandbox.advance(30)      # jump simulated time
    running.sandbox.calls()          # what the sandbox thinks happened
"""

from adapters.web21c.sandbox.app import RunningSandbox, Sandbox, SandboxOptions, start_sandbox

__all__ = ["RunningSandbox", "Sandbox", "SandboxOptions", "start_sandbox"]
