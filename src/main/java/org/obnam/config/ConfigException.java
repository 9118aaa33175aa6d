package org.obnam.config;

/** A configuration file is missing, unreadable or wrong; the message names the file and the problem. */
public final class ConfigException extends Exception {
    public ConfigException(String message) {
        super(message);
    }
}
