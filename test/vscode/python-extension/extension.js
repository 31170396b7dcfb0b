// Tasklane's vscode tier's stand-in for the Python extension (see package.json): the selected
// interpreter is python.defaultInterpreterPath, as the real extension's is when none is chosen.
const vscode = require('vscode');

exports.activate = () => ({
  environments: {
    getActiveEnvironmentPath(resource) {
      const path = vscode.workspace.getConfiguration('python', resource).get('defaultInterpreterPath') || 'python3';
      return { id: path, path };
    },
  },
});
