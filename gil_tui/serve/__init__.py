"""`gil-tui serve`: the app in a browser, one app process per browser tab.

* :mod:`gil_tui.policy` (beside ``paths``, so the UI can read it without an import
  cycle) -- pure functions the app reads to know it is served and whether it may run
  arbitrary commands; the server sets the variables they read.
* :mod:`.address` -- host and port checks, the warning for a non-loopback host,
  the listening socket and the URL (no Textual, no aiohttp).
* :mod:`.server` -- the textual-serve server (aiohttp), imported only by
  ``gil-tui serve`` when it runs.
* :mod:`.child` and :mod:`.driver` -- what each browser tab runs: the app with
  a web driver that quits when the server goes away.
"""
