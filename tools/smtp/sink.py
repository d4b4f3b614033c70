"""The loopback mail relay of tools/dev: aiosmtpd writing every mail to a Maildir, like
a real relay except that it refuses, with a permanent 550, every recipient whose local
part starts with "refused-" (an unknown mailbox), so the bounce handling of the
notification service meets a real SMTP refusal (issue 14)."""
from aiosmtpd.handlers import Mailbox


class RefusingMailbox(Mailbox):
    async def handle_RCPT(self, server, session, envelope, address, rcpt_options):
        if address.lower().startswith("refused-"):
            return "550 5.1.1 <%s>: mailbox unavailable" % address
        envelope.rcpt_tos.append(address)
        return "250 OK"
