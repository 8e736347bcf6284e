"""The Slack front end: a Bolt app with thin listeners, and the ChatSurface over Slack's Web API."""
