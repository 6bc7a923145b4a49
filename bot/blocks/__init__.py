"""Every word and Block Kit payload the bot sends is built here, inside Slack's limits.

- ``kit``: the primitives and Slack's limits (a message, a modal, a notice…).
- ``entries``: an entry as members see it anywhere, and the buttons that come with it.
- ``answers``: what a member is told when they log, list, search, close or delete.
- ``refusals``: a refusal's one clear sentence, and an unexpected failure, worded.
- ``modals``: the log, edit and close-an-action modals, and their field errors.
- ``home``: App Home.
- ``controls``: a member's own controls (away, prompts by DM, the journal), logging for a
  member, the welcome, participation for coordinators.
- ``rhythm``: the weekly prompt and digest, the figures, the settings modal and summary.
- ``nudges``: the DMs about members' actions.
- ``files``: what a coordinator is told about the export and the impact report.

Handlers and jobs pass data in and send what comes out; they never build block dicts or
mrkdwn by hand, and nothing here takes apart another function's output.
"""
