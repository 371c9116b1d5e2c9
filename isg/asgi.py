import os

from django.core.asgi import get_asgi_application

from isg.lib.configuration import require_configuration

os.environ.setdefault("DJANGO_SETTINGS_MODULE", "isg.settings")
require_configuration()
application = get_asgi_application()
