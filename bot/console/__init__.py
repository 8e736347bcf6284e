"""The console front end: the bridge in a terminal, for trying it without Slack.

- markup: Slack mrkdwn (what services speak) rendered as terminal text;
- printer: where rendered lines go (styled on a terminal, plain in a pipe or with NO_COLOR);
- numbering: thread and card numbers, derived from storage so they survive a restart;
- cardview: a card shown whole, or one short line of what changed;
- chat: ConsoleChat, the ChatSurface that prints;
- usage: the greeting and the console's own commands' usage;
- handler: Console, which acts on one typed line (on one worker thread, so in the order typed);
- line_editor: the prompt (prompt_toolkit: editing, history, completion), or lines from a pipe.
"""
