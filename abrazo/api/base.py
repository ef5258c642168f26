"""The base classes every endpoint of /api/v1/ is built on (each app's api.py).

An endpoint declares what it needs and supplies one method that calls the app's selector or service; the bases do
the rest the same way everywhere: authentication (token or session), the scope and permission check, rate
limits, pagination, the audit event, idempotency on create, and errors as JSON.

    class ProgramList(ScopedListView):
        required_scope = "directory:read"
        permission = "program.view"               # 403 when no role of the caller holds it (as the web)
        filter_serializer_class = ProgramFilterSerializer
        serializer_class = ProgramOutSerializer     # explicit fields, never __all__

        def get_scoped_queryset(self, filters):     # ONLY a selector / access.visible: scope decides the rows
            return selectors.program_queryset_for(user=self.request.user, filters=...)

Lists audit the ids of the page returned (record_list); retrieves audit the record shown (record_view, unless the
selector already did: `selector_records_view = True`); creates go through a service, which audits.
"""

from __future__ import annotations

from typing import Any, ClassVar

from django.contrib.auth.decorators import login_not_required
from django.db import models
from django.db.models import QuerySet
from rest_framework import mixins, serializers, status
from rest_framework.generics import GenericAPIView
from rest_framework.request import Request
from rest_framework.response import Response

from abrazo.api.authentication import BrowserSessionAuthentication, TokenAuthentication
from abrazo.api.idempotency import idempotent
from abrazo.api.pagination import ApiPagination
from abrazo.api.permissions import ApiAccess
from abrazo.api.throttling import ApiRateThrottle, ApiWriteRateThrottle
from abrazo.audit import services as audit


def row_ids(rows: list[Any]) -> list[Any]:
    """The primary keys of a page of model instances or of `.values()` dicts."""
    return [row["id"] if isinstance(row, dict) else row.pk for row in rows]


class ApiView(GenericAPIView):  # type: ignore[type-arg]
    """Authentication, scope/permission, throttles and pagination shared by every endpoint."""

    authentication_classes: ClassVar[list[Any]] = [TokenAuthentication, BrowserSessionAuthentication]
    permission_classes: ClassVar[list[Any]] = [ApiAccess]
    throttle_classes: ClassVar[list[Any]] = [ApiRateThrottle, ApiWriteRateThrottle]
    pagination_class = ApiPagination
    # The token scope the endpoint needs: "directory:read", or {"GET": "requests:read", "POST": "requests:write"}.
    required_scope: ClassVar[str | dict[str, str] | None] = None
    # The access.py permission(s) any of which the caller must hold somewhere (403 otherwise), as the web's
    # @requires does. The records reached are still decided by the selector.
    permission: ClassVar[str | tuple[str, ...] | None] = None

    @classmethod
    def as_view(cls, **initkwargs: Any) -> Any:
        # LoginRequiredMiddleware would redirect an API client to the sign-in page: authentication is ours.
        return login_not_required(super().as_view(**initkwargs))

    def get_queryset(self) -> QuerySet[Any]:
        # Guard against GenericAPIView's default: nothing here may reach rows except through a selector.
        raise NotImplementedError("API views read through get_scoped_queryset / get_scoped_object")


class ScopedListView(mixins.ListModelMixin, ApiView):
    """GET a page of the records the caller may see, filtered; audits the ids returned.

    For big pages, set `list_values` to the columns the output serializer reads (ORM paths such as
    "county__name"): the page is then read with `.values()` into dicts, which skips building model instances
    (most of the time of a 500-row page), and a FastSerializer reads the dicts. Many-to-many values are then
    added by `attach_related(rows)` in one query for the page.
    """

    filter_serializer_class: ClassVar[type[serializers.Serializer] | None] = None  # type: ignore[type-arg]
    list_values: ClassVar[tuple[str, ...] | None] = None
    list_model: type[models.Model]  # the queryset's model, set by list() for record_page
    # False only for public data the web does not audit either (the published library).
    audit_lists: ClassVar[bool] = True

    def get_scoped_queryset(self, filters: dict[str, Any]) -> QuerySet[Any]:
        """Return the selector's queryset (scoped by self.request.user), filtered; not evaluated."""
        raise NotImplementedError

    def get_filters(self) -> dict[str, Any]:
        if self.filter_serializer_class is None:
            return {}
        filters = self.filter_serializer_class(data=self.request.query_params)
        filters.is_valid(raise_exception=True)
        return dict(filters.validated_data)

    def attach_related(self, rows: list[dict[str, Any]]) -> None:
        """With `list_values`: add many-to-many values to the page's dicts (e.g. row["languages"] = [...]),
        in one query for the page; filter it with `self.page_ids()`."""

    def page_ids(self) -> QuerySet[Any]:
        """The page's ids as a subquery (the page's own query again, as `pk IN (SELECT ... LIMIT/OFFSET)`):
        cheaper than sending 500 ids as parameters, which the ORM converts one by one."""
        paginator: Any = self.paginator
        return paginator.page_queryset.values("pk")

    def record_page(self, rows: list[Any], filters: dict[str, Any]) -> None:
        """Audit the ids of the page (override to call the app's own *_page_record, e.g. to log a search as a
        search). Rows are model instances, or dicts with `list_values`: use row_ids(rows) for either."""
        if rows:
            audit.record_list(user=self.request.user, model=self.list_model, ids=row_ids(rows))

    def get(self, request: Request, *args: Any, **kwargs: Any) -> Response:
        return self.list(request, *args, **kwargs)

    def list(self, request: Request, *args: Any, **kwargs: Any) -> Response:
        filters = self.get_filters()
        queryset = self.get_scoped_queryset(filters)
        self.list_model = queryset.model
        if self.list_values:
            # Related rows were for model instances; the dicts name their columns instead.
            queryset = queryset.select_related(None).prefetch_related(None).values(*self.list_values)
        paginator = self.paginator
        assert paginator is not None
        rows = paginator.paginate_queryset(queryset, request, view=self)
        if self.list_values:
            self.attach_related(rows)
        if self.audit_lists:
            self.record_page(rows, filters)
        data = self.get_serializer(rows, many=True).data
        return paginator.get_paginated_response(data)


class ScopedRetrieveView(mixins.RetrieveModelMixin, ApiView):
    """GET one record through the app's selector: 404 outside the caller's scope, audited as a view."""

    # Set True when get_scoped_object's selector already writes record_view (e.g. program_get_for).
    selector_records_view: ClassVar[bool] = False

    def get_scoped_object(self, pk: Any) -> models.Model:
        """Return the record through a selector (access.get_or_404 inside), or raise Http404."""
        raise NotImplementedError

    def get(self, request: Request, *args: Any, **kwargs: Any) -> Response:
        return self.retrieve(request, *args, **kwargs)

    def retrieve(self, request: Request, *args: Any, **kwargs: Any) -> Response:
        obj = self.get_scoped_object(kwargs["pk"])
        if not self.selector_records_view:
            audit.record_view(user=request.user, obj=obj)
        return Response(self.get_serializer(obj).data)


class ScopedCreateView(mixins.CreateModelMixin, ApiView):
    """POST: validate with the input serializer, create through the app's service (which checks access and
    audits), answer 201 with the output serializer. An Idempotency-Key header makes a retry safe."""

    input_serializer_class: ClassVar[type[serializers.Serializer] | None] = None  # type: ignore[type-arg]
    # What the 201 answer holds; defaults to serializer_class (a list+create view may list fewer fields).
    output_serializer_class: ClassVar[type[serializers.Serializer] | None] = None  # type: ignore[type-arg]

    def perform_create_from(self, data: dict[str, Any]) -> models.Model:
        """Call the service with the validated data; return the created record."""
        raise NotImplementedError

    def check_create_target(self) -> None:
        """Raise (Http404 through access.get_or_404, PermissionDenied, ApiError) unless the caller may still make
        this create against the record it names (the episode of a contact, the program of an incident...), with
        the view's permission. Runs before an Idempotency-Key replay, so that a stored answer is not given to
        someone who lost access since; the view's permission and token scope have already been checked.
        The default checks nothing more: override it in every create made against a scoped record."""

    def get_input_serializer(self, *args: Any, **kwargs: Any) -> serializers.Serializer:  # type: ignore[type-arg]
        assert self.input_serializer_class is not None
        return self.input_serializer_class(*args, context=self.get_serializer_context(), **kwargs)

    def post(self, request: Request, *args: Any, **kwargs: Any) -> Response:
        return self.create(request, *args, **kwargs)

    def create(self, request: Request, *args: Any, **kwargs: Any) -> Response:
        def handle() -> Response:
            incoming = self.get_input_serializer(data=request.data)
            incoming.is_valid(raise_exception=True)
            obj = self.perform_create_from(dict(incoming.validated_data))
            output = self.output_serializer_class or self.get_serializer_class()
            data = output(obj, context=self.get_serializer_context()).data
            return Response(data, status=status.HTTP_201_CREATED)

        return idempotent(request, handle, still_allowed=self.check_create_target)
