"""A local web site on 127.0.0.1 for the tests of live articles: French news pages wrapped in
the furniture of real sites (menu, cookie banner, share buttons, "lire aussi", comments,
footer), and the bad cases of the web (404, a slow page, an oversized one, binary content,
redirects).

Tests change a page's content with `pages[path] = Response(...)` and read `requests` to know
what was asked.
"""

from __future__ import annotations

import threading
from html import escape
import time
from dataclasses import dataclass, field
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer


def article_page(title: str, paragraphs: list[str], canonical: str | None = None,
                 date: str = "2024-03-12") -> str:
    """A news page: the article among a site's furniture."""
    title = escape(title)
    body = "\n".join(f"<p>{p}</p>" for p in paragraphs[:2])
    body += ('\n<p class="related"><strong>Lire aussi :</strong> <a href="/autre">Le port de '
             'Marseille bat son record de croisiéristes</a></p>\n')
    body += "\n".join(f"<p>{p}</p>" for p in paragraphs[2:])
    link = f'<link rel="canonical" href="{canonical}">' if canonical else ""
    return f"""<!DOCTYPE html>
<html lang="fr"><head><meta charset="utf-8">
<title>{title} | La Gazette du Sud</title>{link}
<meta property="og:title" content="{title}">
<meta property="article:published_time" content="{date}T08:00:00+01:00">
</head><body>
<header><nav class="menu"><ul><li><a href="/">Accueil</a></li><li><a href="/politique">Politique
</a></li><li><a href="/economie">Économie</a></li><li><a href="/sport">Sport</a></li>
<li><a href="/culture">Culture</a></li></ul></nav></header>
<div id="cookie-banner" class="cookie-consent"><p>Ce site utilise des cookies pour mesurer
l'audience et vous proposer des contenus personnalisés.</p><button>Accepter les cookies
</button><button>Paramétrer</button></div>
<main><article>
<h1>{title}</h1>
<div class="share"><a href="#">Partager sur Facebook</a> <a href="#">Partager sur X</a>
<a href="#">Envoyer par e-mail</a></div>
{body}
</article>
<aside class="lire-aussi"><h3>À lire aussi</h3><ul><li><a href="/a">Un maire démissionne
après trois semaines</a></li><li><a href="/b">La météo du week-end s'annonce pluvieuse</a>
</li></ul></aside>
<section id="comments" class="comments"><h2>Commentaires (2)</h2>
<div class="comment"><p>Jeannot34 : Scandaleux, encore une fois ce sont les usagers qui
paient les pots cassés !</p></div>
<div class="comment"><p>Marie L. : Tout mon soutien aux salariés mobilisés.</p></div>
</section></main>
<footer><p>Abonnez-vous à notre newsletter</p><p>© 2024 La Gazette du Sud. Tous droits
réservés.</p></footer>
</body></html>"""


# Furniture of article_page, none of which an added article may hold.
FURNITURE = ("Accueil", "Ce site utilise des cookies", "Accepter les cookies", "Partager sur",
             "Lire aussi", "Le port de Marseille bat son record", "Un maire démissionne",
             "Commentaires", "Jeannot34", "Tout mon soutien", "Abonnez-vous", "droits",
             "La Gazette du Sud")

STRIKE_TITLE = "Grève au port de Sète : les dockers bloquent les quais"
STRIKE = [
    "Les dockers du port de Sète ont entamé mardi une grève de 72 heures pour protester contre "
    "la suppression de quarante postes annoncée par la direction.",
    "Selon le syndicat, près de 300 salariés ont cessé le travail dès six heures du matin, "
    "bloquant le déchargement de deux navires céréaliers venus d'Ukraine.",
    "La présidente de la région, Carole Delga, a appelé « au dialogue » et proposé une "
    "médiation entre les parties dès jeudi.",
    "La direction du port affirme que les suppressions de postes sont « indispensables » pour "
    "rester compétitive face aux ports espagnols de Tarragone et de Barcelone.",
]
FLOOD_TITLE = "Crue du Vidourle : Sommières évacue ses quartiers bas"
FLOOD = [
    "La préfecture du Gard a ordonné lundi soir l'évacuation de 450 habitants des quartiers "
    "bas de Sommières, menacés par la crue du Vidourle.",
    "Le fleuve est monté de quatre mètres en six heures après des pluies de plus de 200 "
    "millimètres tombées sur les Cévennes.",
    "Un gymnase a été ouvert pour accueillir les sinistrés, et les écoles de la commune "
    "resteront fermées jusqu'à vendredi.",
]


@dataclass
class Response:
    """What the site answers at a path."""

    body: bytes
    content_type: str = "text/html; charset=utf-8"
    status: int = 200
    delay: float = 0.0  # seconds before answering
    location: str | None = None
    length: bool = True  # whether to send Content-Length


def html(page: str) -> Response:
    return Response(page.encode())


@dataclass
class ArticleSite:
    """The site's pages by path; serves in a thread while used as a context manager."""

    pages: dict[str, Response] = field(default_factory=dict)
    requests: list[str] = field(default_factory=list)
    hosts: list[str] = field(default_factory=list)  # each request's Host header

    def __post_init__(self) -> None:
        self.server = ThreadingHTTPServer(("127.0.0.1", 0), _Handler)
        self.server.daemon_threads = True
        self.server.site = self  # type: ignore[attr-defined]

    def url(self, path: str, host: str = "127.0.0.1") -> str:
        return f"http://{host}:{self.server.server_address[1]}{path}"

    def __enter__(self) -> ArticleSite:
        threading.Thread(target=self.server.serve_forever, daemon=True).start()
        return self

    def __exit__(self, *exc: object) -> None:
        self.server.shutdown()
        self.server.server_close()


class _Handler(BaseHTTPRequestHandler):
    def do_GET(self) -> None:  # noqa: N802 (http.server's naming)
        site: ArticleSite = self.server.site  # type: ignore[attr-defined]
        site.requests.append(self.path)
        site.hosts.append(self.headers.get("Host", ""))
        page = site.pages.get(self.path, Response(b"<h1>Not Found</h1>", status=404))
        time.sleep(page.delay)
        self.send_response(page.status)
        self.send_header("Content-Type", page.content_type)
        if page.location:
            self.send_header("Location", page.location)
        if page.length:
            self.send_header("Content-Length", str(len(page.body)))
        self.end_headers()
        try:
            self.wfile.write(page.body)
        except (BrokenPipeError, ConnectionResetError):
            pass  # the client stopped reading: a refused page

    def log_message(self, *args: object) -> None:
        """Quiet: pytest shows failures, not every request."""
