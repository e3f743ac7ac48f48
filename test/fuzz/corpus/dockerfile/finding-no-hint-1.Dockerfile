# escape=`
FROM busybox
RUN echo a `
    b
ADD https://example.invalid/x.tar.gz /x/
COPY <<EOF /etc/motd
hello
EOF
ENV A=1 Bo uords" C=three\ wor`s
ARG X
RUN ["echo", "${X:-default}"]
