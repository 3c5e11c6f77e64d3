"""The editing commands (DESIGN.md §6): changes to users' files made for them.

`checkin` and `record` write one change to an objective file or a metric CSV,
validated with the whole portal first; the issue forms and their workflow turn a
staff member's form into such a change and a pull request. A part at the side:
it imports the stages and is never imported by them.
"""
