"""The web view: ``qarchive serve``, the archive in a browser, on Datasette.

``server`` makes the site and serves it; ``plugin`` hooks qarchive's pages into
Datasette; ``views`` answers each page in HTML, JSON, CSV or Atom from what
``data`` reads through the library (``params`` reads the query parameters,
``present`` puts values into words). ``templates/`` and ``static/`` ship in the
package: the pages load nothing from elsewhere (Chart.js is vendored, with its
licence, in ``static/vendor/chart.js``).

Nothing here is imported by the rest of the command line but ``serve``, inside
the command: ``qarchive --help`` and ``qarchive list`` do not load Datasette.
"""

__all__: list[str] = []
