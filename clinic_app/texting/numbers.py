"""Phone numbers for text messages: US numbers only, stored in E.164 ("+17035550123")."""

import phonenumbers

# The United States and the territories on its numbering plan (Canada and the Caribbean
# nations share the +1 code but are not reachable at domestic rates).
US_REGIONS = {"US", "PR", "GU", "VI", "AS", "MP"}
NOT_US = "Text messages go to US numbers only. Please enter a US mobile number, or leave texts off."
NOT_A_NUMBER = "Please enter a US mobile number with area code, like (703) 555-0123."


def texting_number(value: str) -> tuple[str | None, str | None]:
    """(the number in E.164, None) for a US number that can receive texts, or (None, the problem)."""
    try:
        number = phonenumbers.parse(value or "", "US")
    except phonenumbers.NumberParseException:
        return None, NOT_A_NUMBER
    if not phonenumbers.is_valid_number(number):
        return None, NOT_A_NUMBER
    if phonenumbers.region_code_for_number(number) not in US_REGIONS:
        return None, NOT_US
    return phonenumbers.format_number(number, phonenumbers.PhoneNumberFormat.E164), None


def national(e164: str) -> str:
    """A stored number as people read it: (703) 555-0123."""
    return phonenumbers.format_number(phonenumbers.parse(e164, None), phonenumbers.PhoneNumberFormat.NATIONAL)
