# find_jdk: prints the home of a JDK 25 or newer ($JAVA_HOME if it is one, else the first under
# /usr/lib/jvm) and sets found_jdk to it and found_jdk_major to its major version, or fails.
# Shell built-ins only. Sourced by the launchers and bin/find-jdk.

jdk_is_25_or_newer() {
    local home=$1 line version
    [ -x "$home/bin/java" ] && [ -x "$home/bin/javac" ] && [ -r "$home/release" ] || return 1
    while IFS= read -r line; do
        case $line in
            JAVA_VERSION=*)
                version=${line#JAVA_VERSION=\"}
                version=${version%%[.\"]*}
                [[ $version =~ ^[0-9]+$ ]] && [ "$version" -ge 25 ] || return 1
                jdk_major=$version
                return 0
                ;;
        esac
    done < "$home/release"
    return 1
}

find_jdk() {
    if [ -n "${JAVA_HOME:-}" ] && jdk_is_25_or_newer "$JAVA_HOME"; then
        found_jdk=$JAVA_HOME
        found_jdk_major=$jdk_major
        echo "$found_jdk"
        return 0
    fi
    local candidate
    for candidate in /usr/lib/jvm/temurin-25-jdk-amd64 /usr/lib/jvm/*25* /usr/lib/jvm/*; do
        if jdk_is_25_or_newer "$candidate"; then
            found_jdk=$candidate
            found_jdk_major=$jdk_major
            echo "$found_jdk"
            return 0
        fi
    done
    return 1
}
