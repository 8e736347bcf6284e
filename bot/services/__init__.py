"""Use cases of the bridge. They speak to the world only through bot.core.ports and storage, so
they import neither slack_bolt nor zeep, and every front end shares them."""
