# The ledger's application image: the API, the relay and the consumers all run from it
# (docker-compose.yml picks the command). Build from the repository root:
#   docker build -t cocagne-ledger .
FROM python:3.11-slim

ENV PYTHONDONTWRITEBYTECODE=1 \
    PYTHONUNBUFFERED=1 \
    PIP_NO_CACHE_DIR=1 \
    PIP_DISABLE_PIP_VERSION_CHECK=1

WORKDIR /app
# Dependencies first, so that a code change does not reinstall them: every runtime dependency
# ships manylinux wheels (psycopg[binary], crc32c, msgspec), so no compiler is needed.
COPY pyproject.toml README.md ./
COPY domain ./domain
COPY projections ./projections
COPY consumers ./consumers
COPY infra ./infra
RUN pip install .

# Never run as root inside the container.
RUN useradd --create-home --uid 10001 cocagne
USER cocagne

EXPOSE 8000 9100
CMD ["cocagne", "serve", "--host", "0.0.0.0", "--port", "8000"]
