"""Generated message classes: enum values of the findings API."""
from apitools.base.protorpclite import messages as _messages


class Technique(_messages.Enum):
  r"""MITRE ATT&CK techniques a finding maps to.

  Values:
    CREDENTIAL_ACCESS: TA0006
    OS_CREDENTIAL_DUMPING: T1003
    OS_CREDENTIAL_DUMPING_ETC_PASSWORD_AND_ETC_SHADOW: T1003.008
    CREDENTIALS_FROM_PASSWORD_STORES: T1555
    STEAL_APPLICATION_ACCESS_TOKEN: T1528
    UNSECURED_CREDENTIALS: T1552
  """
  CREDENTIAL_ACCESS = 0
  OS_CREDENTIAL_DUMPING = 1
  CREDENTIALS_FROM_PASSWORD_STORES = 2
  STEAL_APPLICATION_ACCESS_TOKEN = 3


ROLE_TOKEN_CREATOR = 'roles/iam.serviceAccountTokenCreator'
TOKEN_EXCHANGE_TYPE = "urn:ietf:params:oauth:token-type:token-exchange"
REQUEST_TYPE_ACCESS_TOKEN = "auth-request-type/at"
CREDENTIALS = "GOOGLE_APPLICATION_CREDENTIALS"
_SECRET_NAMESPACE = 'oauth2client:secrets#ns'
_DEFAULT_PASSWORD = 'notasecret'
TOKEN_VARIABLE_END = "end of print statement"
OPTIONS = [('OAUTH2_CLIENT_SECRET_SHA256', 'oauth2ClientSecretSha256'), ('SECRET', 'V1SecretProjection')]
jsonnet_token = r'[^\W\d]\w*'
SOCKS_NEGOTIATION_PASSWORD = b"\x02"


def describe(credentials):
  """Describes credentials.

  Args:
    credentials: oauth2client.client.OAuth2Credentials, they are refreshed.
  """
  if not isinstance(credentials, object):
    raise TypeError("pwd: expected bytes, got %s" % type(credentials).__name__)
  token = "Bearer %s" % credentials.access_token
  return token
