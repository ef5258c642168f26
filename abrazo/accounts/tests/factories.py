from __future__ import annotations

from typing import Any

import factory
from allauth.mfa.models import Authenticator

from abrazo.accounts.models import Membership, Role, User


class UserFactory(factory.django.DjangoModelFactory):
    class Meta:
        model = User
        skip_postgeneration_save = True

    email = factory.Sequence(lambda n: f"person{n}@example.org")
    full_name = factory.Faker("name")
    password = factory.PostGenerationMethodCall("set_password", "correct horse battery staple")

    @factory.post_generation
    def save_password(self, create: bool, extracted: Any, **kwargs: Any) -> None:
        if create:
            self.save()


class MembershipFactory(factory.django.DjangoModelFactory):
    class Meta:
        model = Membership

    user = factory.SubFactory(UserFactory)
    network = factory.SubFactory("abrazo.directory.tests.factories.NetworkFactory")
    role = Role.NETWORK_ADMIN


# 160 bits, like the secrets allauth generates (pyotp refuses secrets under 112 bits).
TOTP_SECRET = "JBSWY3DPEHPK3PXPJBSWY3DPEHPK3PXP"


def give_totp(user: User, secret: str = TOTP_SECRET) -> Authenticator:
    """Enrol a TOTP authenticator with a known secret, as a person would through the MFA pages."""
    from allauth.mfa.totp.internal.auth import TOTP

    return TOTP.activate(user, secret).instance


def make_person(network: Any, role: str, *, mfa: bool = True, **scope: Any) -> User:
    """A signed-up person holding one role in the network (scope: region=, agency= or program=), with TOTP."""
    user = UserFactory(full_name=f"{role.replace('_', ' ').title()} Person")
    Membership.objects.create(user=user, network=network, role=role, **scope)
    if mfa:
        give_totp(user)
    return user
