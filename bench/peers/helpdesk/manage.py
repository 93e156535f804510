#!/usr/bin/env python3
"""The django-helpdesk 2.6.1 site the benchmark compares Gongzhi with (bench/peers/helpdesk_peer.py runs it)."""
import os
import sys

if __name__ == "__main__":
    os.environ.setdefault("DJANGO_SETTINGS_MODULE", "peer_site.settings")
    from django.core.management import execute_from_command_line

    execute_from_command_line(sys.argv)
