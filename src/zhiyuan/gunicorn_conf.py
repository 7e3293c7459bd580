"""gunicorn's settings for the platform (`gunicorn zhiyuan.wsgi --config
python:zhiyuan.gunicorn_conf`; `make run` uses it, and so should a deployment).

The access log keeps the path without its query string and no Referer: search forms carry
what people type in the query string (a name, or an ID or mobile number typed into the wrong
box, which the view refuses only after the request line was logged), and the Referer of the
next request repeats it. Logs keep no personal data (个人信息保护法 第五十一条).
"""

# gunicorn's default, "%(r)s" (the request line) and "%(f)s" (the Referer) replaced by the
# method, the path without the query string (%(U)s) and the protocol.
access_log_format = '%(h)s %(l)s %(u)s %(t)s "%(m)s %(U)s %(H)s" %(s)s %(b)s "%(a)s"'
accesslog = "-"
workers = 2
threads = 4
