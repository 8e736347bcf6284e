"""Default workspace and bot identities shared by the fake Slack server and the request builders,
so a signed event names the same team and bot user the server answers auth.test with."""

from __future__ import annotations

TEAM_ID = "T0TEST000"
TEAM_NAME = "Test Workspace"
TEAM_DOMAIN = "test-workspace"
APP_ID = "A0TESTAPP"
BOT_USER_ID = "U0BOT0000"
BOT_ID = "B0BOT0000"
BOT_NAME = "web21c"
VERIFICATION_TOKEN = "legacy-verification-token"
