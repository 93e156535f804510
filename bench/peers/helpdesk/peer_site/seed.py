"""Seeds the peer: a staff user with an API token, two queues, and N tickets in bulk (statuses spread like a
working helpdesk's). Prints "TOKEN <key> SESSION <session key> QUEUE <id> TICKET <id>" for the harness."""
import random
import sys

from django.contrib.auth import get_user_model
from django.contrib.sessions.backends.db import SessionStore
from django.utils import timezone
from rest_framework.authtoken.models import Token

from helpdesk.models import Queue, Ticket


def main(count):
    User = get_user_model()
    user, _ = User.objects.get_or_create(username="bench", defaults={"is_staff": True, "is_superuser": True, "email": "bench@example.org"})
    user.set_password("Gongzhi@2026")
    user.save()
    token, _ = Token.objects.get_or_create(user=user)
    queues = [Queue.objects.get_or_create(slug=slug, defaults={"title": title, "allow_public_submission": True})[0]
              for slug, title in (("street", "Street"), ("property", "Property"))]
    have = Ticket.objects.count()
    rng = random.Random(7)
    statuses = [Ticket.OPEN_STATUS, Ticket.REOPENED_STATUS, Ticket.RESOLVED_STATUS, Ticket.CLOSED_STATUS, Ticket.DUPLICATE_STATUS]
    now = timezone.now()
    batch = []
    for n in range(have, count):
        batch.append(Ticket(title=f"Ticket {n}: street light out", queue=queues[n % 2], status=rng.choice(statuses),
                            description="seeded for the benchmark", submitter_email="resident@example.org", priority=3,
                            created=now, modified=now))
        if len(batch) == 5000:
            Ticket.objects.bulk_create(batch)
            batch = []
    if batch:
        Ticket.objects.bulk_create(batch)
    session = SessionStore()
    session["_auth_user_id"] = str(user.pk)
    session["_auth_user_backend"] = "django.contrib.auth.backends.ModelBackend"
    session["_auth_user_hash"] = user.get_session_auth_hash()
    session.create()
    ticket = Ticket.objects.order_by("-id").first()
    print(f"TOKEN {token.key} SESSION {session.session_key} QUEUE {queues[0].id} TICKET {ticket.id}")


if __name__ == "__main__":
    main(int(sys.argv[1]))
