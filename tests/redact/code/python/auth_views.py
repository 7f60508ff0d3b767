from django.contrib.auth import authenticate, login
from django.contrib.auth.tokens import default_token_generator
from django.http import JsonResponse
from django.utils.http import urlsafe_base64_decode
from rest_framework.authtoken.models import Token


def login_view(request):
    username = request.POST.get("username", "")
    password = request.POST.get("password", "")
    user = authenticate(request, username=username, password=password)
    if user is None:
        return JsonResponse({"error": "invalid credentials"}, status=401)
    login(request, user)
    token, _created = Token.objects.get_or_create(user=user)
    return JsonResponse({"token": token.key, "token_type": "Token"})


def reset_confirm(request, uidb64, token):
    uid = urlsafe_base64_decode(uidb64).decode()
    user = User.objects.filter(pk=uid).first()
    if user is None or not default_token_generator.check_token(user, token):
        return JsonResponse({"error": "link expired"}, status=400)
    new_password = request.POST["new_password1"]
    confirm_password = request.POST["new_password2"]
    if new_password != confirm_password:
        return JsonResponse({"error": "passwords differ"}, status=400)
    user.set_password(new_password)
    user.save()
    return JsonResponse({"ok": True})


def api_key_from(request):
    api_key = request.headers.get("X-Api-Key") or request.GET.get("api_key")
    if not api_key:
        raise PermissionError("missing api key")
    return api_key


class ApiKeyAuth:
    header = "X-Api-Key"
    keyword = "Token"

    def __call__(self, request):
        auth = request.headers.get("Authorization", "")
        if auth.startswith(self.keyword + " "):
            key = auth[len(self.keyword) + 1:]
            return self.lookup(key)
        return None
