"""Copy the bundled England and Wales bank holidays into the BankHoliday table."""

from django.core.management.base import BaseCommand

from sightline.core.clocks import sync_bank_holidays


class Command(BaseCommand):
    help = (
        "Copy the England and Wales bank holidays bundled with govuk-bank-holidays into the "
        "bank holiday table (no network call). Rows entered by an administrator are kept."
    )

    def handle(self, *args, **options):
        held = sync_bank_holidays()
        noun = "date" if held == 1 else "dates"
        self.stdout.write(f"Bank holiday table now holds {held} {noun}.")
