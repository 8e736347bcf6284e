"""web21c-bridge: BT's Web21C telephony web services in Slack."""
