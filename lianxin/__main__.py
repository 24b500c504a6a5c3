from lianxin.cli import app

app()
