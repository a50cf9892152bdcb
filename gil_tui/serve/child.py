"""What `gil-tui serve` runs for each browser tab: ``python -m gil_tui.serve.child``.

The app as ``gil-tui app`` opens it (remembering the same choices), with
:class:`~gil_tui.serve.driver.ServedDriver` (textual-serve's protocol on stdin and
stdout). When the app has quit, any process it started that is still there is ended,
so a closed tab leaves nothing.
"""

from __future__ import annotations

import sys


def main() -> int:
    from gil_tui.serve.driver import ServedDriver, end_descendants
    from gil_tui.ui.app import make_app
    from gil_tui.ui.settings_bridge import saved_settings

    settings, warnings = saved_settings()
    app = make_app(settings=settings, settings_warnings=warnings, remember=True)
    app.driver_class = ServedDriver
    try:
        app.run()
    finally:
        end_descendants()
    return int(app.return_code or 0)


if __name__ == "__main__":
    sys.exit(main())
